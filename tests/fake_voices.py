"""A tiny real Piper voice and a local stand-in for the Piper voice repository, on 127.0.0.1.

The voice is a few-kilobyte ONNX graph with Piper's interface (inputs `input` int64 [1, N] phoneme
ids, `input_lengths` int64 [1], `scales` float32 [3]; output `output` float32 [1, 1, samples]) that
the real piper-tts runtime loads and runs. Each phoneme id sounds for 256 × length_scale samples as a
sine whose pitch depends on the id, so the audio is as long as the text and the speed ask, and
different text makes different audio.

The repository serves a folder laid out like rhasspy/piper-voices ({family}/{family}_{REGION}/
{name}/{quality}/{voice}.onnx, .onnx.json, voices.json) and can be told to fail per file.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from local_server import LocalServer

SAMPLE_RATE = 22050
HOP = 256  # samples per phoneme id at length_scale 1, as in Piper's medium voices


def write_voice(onnx_path: Path, length_scale: float = 1.0, pitch: float = 8.0) -> Path:
    """Return `onnx_path` after writing a tiny voice there, with its `.onnx.json` beside it."""
    import onnx
    from onnx import TensorProto, helper
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    def const(name: str, value, kind=TensorProto.FLOAT):
        values = value if isinstance(value, list) else [value]
        dims = [len(values)] if isinstance(value, list) else []
        return helper.make_node("Constant", [], [name], value=helper.make_tensor(name, kind, dims, values))

    nodes = [
        const("one_i", [1], TensorProto.INT64),
        const("two_i", [2], TensorProto.INT64),
        const("hop", float(HOP)),
        const("zero", 0.0),
        const("step", 1.0),
        const("base", 90.0),
        const("pitch", float(pitch)),
        const("two_pi_over_rate", 2 * 3.141592653589793 / SAMPLE_RATE),
        const("amplitude", 0.5),
        const("pi", 3.141592653589793),
        const("axis0", 0, TensorProto.INT64),
        const("sharpness", 2.0),
        const("five", [5], TensorProto.INT64),
        const("twenty_five", 25.0),
        const("out_shape", [1, 1, -1], TensorProto.INT64),
        const("flat", [-1], TensorProto.INT64),
        # n = the number of phoneme ids, as a float scalar
        helper.make_node("Shape", ["input"], ["input_shape"]),
        helper.make_node("Slice", ["input_shape", "one_i", "two_i"], ["n_1"]),
        helper.make_node("Cast", ["n_1"], ["n_1f"], to=TensorProto.FLOAT),
        helper.make_node("Squeeze", ["n_1f"], ["n"]),
        # per_id = samples per id = hop × length_scale; total = n × per_id
        helper.make_node("Gather", ["scales", "one_i"], ["ls_1"], axis=0),
        helper.make_node("Squeeze", ["ls_1"], ["length_scale"]),
        helper.make_node("Mul", ["hop", "length_scale"], ["per_id"]),
        helper.make_node("Mul", ["n", "per_id"], ["total_raw"]),
        helper.make_node("Floor", ["total_raw"], ["total"]),
        helper.make_node("Range", ["zero", "total", "step"], ["t"]),
        # the id sounding at each sample sets its pitch
        helper.make_node("Div", ["t", "per_id"], ["position"]),
        helper.make_node("Floor", ["position"], ["position_floor"]),
        helper.make_node("Cast", ["position_floor"], ["index"], to=TensorProto.INT64),
        helper.make_node("Reshape", ["input", "flat"], ["ids"]),
        helper.make_node("Gather", ["ids", "index"], ["id_at"], axis=0),
        helper.make_node("Cast", ["id_at"], ["id_at_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["id_at_f", "pitch"], ["pitch_at"]),
        helper.make_node("Add", ["pitch_at", "base"], ["frequency"]),
        # a continuous phase and a rise and fall over each id: no clicks, a rhythm like syllables
        helper.make_node("CumSum", ["frequency", "axis0"], ["cycles"]),
        helper.make_node("Mul", ["cycles", "two_pi_over_rate"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["wave"]),
        helper.make_node("Sub", ["position", "position_floor"], ["within"]),
        helper.make_node("Mul", ["within", "pi"], ["arc"]),
        helper.make_node("Sin", ["arc"], ["arc_sine"]),
        helper.make_node("Pow", ["arc_sine", "sharpness"], ["envelope"]),
        # some ids loud, most soft: peaks well above the loudness, as in speech (and as the loudness stage expects);
        # with the rise and fall above (sin²), it needs about the gain espeak-ng does (8-10 dB), as real voices do
        helper.make_node("Mod", ["id_at", "five"], ["id_class"], fmod=0),
        helper.make_node("Cast", ["id_class"], ["id_class_f"], to=TensorProto.FLOAT),
        helper.make_node("Add", ["id_class_f", "step"], ["level_root"]),
        helper.make_node("Mul", ["level_root", "level_root"], ["level_square"]),
        helper.make_node("Div", ["level_square", "twenty_five"], ["level"]),
        helper.make_node("Mul", ["envelope", "level"], ["contour"]),
        helper.make_node("Mul", ["wave", "contour"], ["shaped"]),
        helper.make_node("Mul", ["shaped", "amplitude"], ["samples"]),
        helper.make_node("Reshape", ["samples", "out_shape"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes, "tiny-piper-voice",
        [helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
         helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
         helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "samples"])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="audio-edition tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    onnx_path.write_bytes(model.SerializeToString())
    config = {
        "audio": {"sample_rate": SAMPLE_RATE, "quality": "medium"},
        "espeak": {"voice": "de"},
        "inference": {"noise_scale": 0.667, "length_scale": length_scale, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_map": {},
        "phoneme_id_map": {symbol: list(ids) for symbol, ids in DEFAULT_PHONEME_ID_MAP.items()},
        "num_symbols": 256,
        "num_speakers": 1,
        "speaker_id_map": {},
        "piper_version": "1.0.0",
        "language": {"code": "de_DE", "family": "de", "region": "DE", "name_native": "Deutsch",
                     "name_english": "German", "country_english": "Germany"},
        "dataset": onnx_path.name.split("-")[1] if "-" in onnx_path.name else "tiny",
    }
    Path(f"{onnx_path}.json").write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    return onnx_path


def voice_folder(name: str) -> str:
    """Return the repository folder of a voice: de_DE-thorsten-medium → de/de_DE/thorsten/medium."""
    code, speaker, quality = name.split("-")
    return f"{code.split('_')[0]}/{code}/{speaker}/{quality}"


def write_repository(root: Path, voices: dict[str, dict]) -> dict:
    """Return the voices.json written to `root` for tiny voices named in `voices` ({name: write_voice kwargs})."""
    catalogue = {}
    for name, options in voices.items():
        folder = voice_folder(name)
        model = write_voice(root / folder / f"{name}.onnx", **options)
        files = {}
        for path in (model, Path(f"{model}.json"), root / folder / "MODEL_CARD"):
            if path.name == "MODEL_CARD":
                path.write_text(f"# Model card for {name}\n\n* License: CC0\n", encoding="utf-8")
            data = path.read_bytes()
            files[f"{folder}/{path.name}"] = {"size_bytes": len(data), "md5_digest": hashlib.md5(data).hexdigest()}
        code, speaker, quality = name.split("-")
        catalogue[name] = {
            "key": name, "name": speaker, "quality": quality, "num_speakers": 1, "speaker_id_map": {},
            "language": {"code": code, "family": code.split("_")[0], "region": code.split("_")[1],
                         "name_native": "Deutsch" if code.startswith("de") else code,
                         "name_english": "German" if code.startswith("de") else code, "country_english": ""},
            "files": files, "aliases": [],
        }
    (root / "voices.json").write_text(json.dumps(catalogue, indent=2), encoding="utf-8")
    return catalogue


@dataclass
class Log:
    requests: list[str] = field(default_factory=list)  # paths asked for, in order


class VoiceRepository(LocalServer):
    """Serves a folder over HTTP on 127.0.0.1; `faults[path]` lists what the next requests of a file get.

    A fault is one of: "503" (HTTP 503), "truncate" (half the body, then the connection closes),
    "corrupt" (the right length, wrong bytes), "drop" (the connection closes before any answer),
    "404", "stall" (half the body, then nothing for 10 s), "drip" (the body a byte every half second),
    "endless" (no length, and bytes without end until the client hangs up).
    """

    def __init__(self, root: Path):
        self.root = root
        self.faults: dict[str, list[str]] = {}
        self.log = Log()
        self._lock = threading.Lock()
        super().__init__(self._handler())
        self.url = self.origin + "/"

    def fail(self, path: str, *faults: str) -> None:
        """Make the next requests of `path` (relative to the root) fail in these ways, in order."""
        self.faults.setdefault(path, []).extend(faults)

    def requested(self, suffix: str) -> int:
        """Return how many requests asked for a path ending in `suffix`."""
        return sum(1 for path in self.log.requests if path.endswith(suffix))

    def _next_fault(self, path: str) -> str | None:
        with self._lock:
            self.log.requests.append(path)
            pending = self.faults.get(path)
            return pending.pop(0) if pending else None

    def _handler(self):
        repository = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                path = self.path.split("?")[0].lstrip("/")
                fault = repository._next_fault(path)
                file = repository.root / path
                if fault == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault in ("503", "404") or not file.is_file():
                    status = int(fault) if fault else 404
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    return
                body = file.read_bytes()
                if fault == "endless":
                    self.send_response(200)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    try:
                        while True:
                            self.wfile.write(body[:1024].ljust(1 << 16, b"x"))
                    except OSError:  # the client stopped reading
                        return
                if fault == "corrupt":
                    body = bytes(b ^ 0x5A for b in body)
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                if fault == "stall":  # like a connection that hangs half-way, until the client gives up
                    self.wfile.write(body[:len(body) // 2])
                    self.wfile.flush()
                    time.sleep(10)
                    self.close_connection = True
                    return
                if fault == "drip":  # like a connection that still moves, too slowly to ever finish
                    try:
                        for byte in range(len(body)):
                            self.wfile.write(body[byte:byte + 1])
                            self.wfile.flush()
                            time.sleep(0.5)
                    except OSError:
                        pass
                    self.close_connection = True
                    return
                if fault == "truncate":
                    self.wfile.write(body[:len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.wfile.write(body)
                self.close_connection = True

        return Handler
