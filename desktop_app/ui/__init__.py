"""The desktop window (PySide6). It talks to the engine facade only."""
