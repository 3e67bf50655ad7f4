"""Rebuild the stale cached pages the app servers queue, in a process of its own (gunicorn.conf.py starts it)."""

import os
import signal

from django.core.management.base import BaseCommand

from tracker.cache import run_rebuilder


class Command(BaseCommand):
    help = (
        "Rebuild the stale pages readers found in the page cache, queued in Redis by the app servers, at a lower "
        "CPU priority than theirs. Runs until stopped (SIGTERM or SIGINT)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--nice", type=int, default=10, help="How much to lower this process's CPU priority (default 10)."
        )
        parser.add_argument(
            "--stop-with-parent",
            action="store_true",
            help="Stop when the process that started this one is gone (gunicorn.conf.py asks it): a master killed "
            "outright leaves no rebuilder running the code it had.",
        )

    def handle(self, *args, nice, stop_with_parent, **options):
        if nice:
            os.nice(nice)
        stopping = []
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: stopping.append(True))
        parent = os.getppid()
        run_rebuilder(stop=lambda: bool(stopping) or (stop_with_parent and os.getppid() != parent))
