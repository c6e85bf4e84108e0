"""Entry script of the installed executables, desktop-app (the CLI) and desktop-app-gui (the window).

Both are built from this one script (see installer/desktop-app.spec); the
executable's name picks which to run. ``--child NAME`` runs a helper process
that a source install would start with ``python -m`` (see desktop_app/frozen.py).
"""

import multiprocessing
import sys
from pathlib import Path


def launch(args: list[str]) -> int:
    # Imported here, after freeze_support: importing desktop_app loads the CUDA library in a process that may
    # load a model, which a spawned PDF worker tells by the name freeze_support gives it (desktop_app/native.py).
    from desktop_app.frozen import CHILD_FLAG

    if args[:2] == [CHILD_FLAG, "trial-load"]:
        from desktop_app.engine.models import trial_load

        sys.argv = [sys.argv[0], *args[2:]]
        trial_load.main()
        return 0
    if Path(sys.executable).stem.lower().endswith("-gui"):
        from desktop_app.ui.app import main as gui_main

        return gui_main(args)
    from desktop_app.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    multiprocessing.freeze_support()  # first: a spawned PDF worker process runs its work here and exits
    sys.exit(launch(sys.argv[1:]))
