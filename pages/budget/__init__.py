"""The budget explorer pages (a package: layout, callbacks, and the officer's import page)."""
