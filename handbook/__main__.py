"""``python -m handbook COMMAND``: the app's command line (see ``--help``)."""

import sys

if len(sys.argv) > 1 and sys.argv[1] == "serve":
    # The server runs on gevent: patch the standard library before anything imports it.
    from gevent import monkey

    monkey.patch_all()

    # Libraries its web process may never use load on first use (cold start).
    from handbook.core.lazyimports import defer

    defer()

if len(sys.argv) > 3 and sys.argv[1] == "worker" and "--parent" in sys.argv[:-1]:
    # serve's job worker follows serve before anything slow: the app's imports take seconds,
    # more at the worker's low priority on a busy machine, and a serve that ends meanwhile
    # must not leave its worker running on until they are done.
    from handbook.core.jobprocess import follow_parent

    follow_parent(int(sys.argv[sys.argv.index("--parent") + 1]))

from flask.cli import FlaskGroup  # noqa: E402 - must follow the patching above

from handbook import create_app  # noqa: E402


def main() -> None:
    FlaskGroup(create_app=create_app, load_dotenv=False, set_debug_flag=False)(
        prog_name="python -m handbook"
    )


if __name__ == "__main__":
    main()
