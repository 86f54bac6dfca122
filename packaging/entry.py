"""Entry point of the frozen ``anhui-collect`` program (PyInstaller's script)."""

import sys

from desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
