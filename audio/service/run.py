"""A running service: the desk, its workers, the reconciler, the webhook deliverer and the app, started and stopped together."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.types import ASGIApp

from audio.errors import EditionError
from audio.service.api import make_app
from audio.service.desk import Desk, Settings, named
from audio.service.webhooks import Deliverer, Outbox
from audio.service.worker import Reconciler, Workers, reconcile

log = logging.getLogger(__name__)


@dataclass
class Running:
    desk: Desk
    workers: Workers
    reconciler: Reconciler | None
    deliverer: Deliverer | None
    app: ASGIApp | None

    @classmethod
    def start(cls, settings: Settings, token: str, files: ASGIApp, workers: int, webhook: str | None,
              secret: str | None, report=None) -> Running:
        """Start the service of `serve --api`: reconcile, then build with `workers` threads, deliver webhooks."""
        if bool(webhook) != bool(secret):
            raise EditionError("give --webhook URL and --webhook-secret SECRET together")
        settings.state_folder.mkdir(parents=True, exist_ok=True)
        desk = Desk(named(settings))
        answering(desk)
        desk.save_settings()
        outbox = Outbox(settings.state_folder)
        deliverer = Deliverer(outbox, webhook, secret)
        queued = reconcile(desk)
        if queued:
            log.info("%d articles accepted but not built are queued again", queued)
        crew = Workers(desk, workers, on_event=outbox.add, report=report)
        reconciler = Reconciler(desk, settings.reconcile_every)
        for part in (deliverer, crew, reconciler):
            part.start()
        return cls(desk, crew, reconciler, deliverer, make_app(desk, token, files, outbox))

    @classmethod
    def worker(cls, settings: Settings, workers: int, report=None) -> Running:
        """Start `worker` processes' builds: they share the queue and the folder with `serve --api`."""
        desk = Desk(settings)
        answering(desk)
        crew = Workers(desk, workers, on_event=Outbox(settings.state_folder).add, report=report)
        crew.start()
        return cls(desk, crew, None, None, None)

    def stop(self) -> None:
        for part in (self.reconciler, self.deliverer, self.workers):
            if part is not None:
                part.stop()


def answering(desk: Desk) -> None:
    """Raise EditionError when the queue's store does not answer (a Redis that is not there)."""
    if not desk.queue.answers():
        raise EditionError(f"{desk.settings.queue or 'the queue'}: the queue's store does not answer; is Redis running there?")
