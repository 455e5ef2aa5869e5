"""moto's server, plus one route to move its clock: POST /_steward/clock {"now": "<ISO time>" | null}.

moto stamps every backup, snapshot and key with the time it is made, and the moto server has no way to
backdate them. Retention, RPO and key-age logic need histories, so the demo, the tests and the benchmark
seed them by moving this server's clock (freezegun, ticking from the given time) before each day's
backups, and back to real time afterwards. Listens on the loopback address only.
"""

from __future__ import annotations

import argparse
import json
import threading

from freezegun import freeze_time
from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

CLOCK_PATH = "/_steward/clock"


class TimewarpApp:
    def __init__(self) -> None:
        self.moto = DomainDispatcherApplication(create_backend_app)
        self._freezer = None
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == CLOCK_PATH and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            now = json.loads(environ["wsgi.input"].read(length) or b"{}").get("now")
            with self._lock:
                if self._freezer is not None:
                    self._freezer.stop()
                    self._freezer = None
                if now:
                    self._freezer = freeze_time(now, tick=True)
                    self._freezer.start()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"now": now}).encode()]
        return self.moto(environ, start_response)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    run_simple(args.host, args.port, TimewarpApp(), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
