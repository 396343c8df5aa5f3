"""The PySide6 screens. They talk to desktop/ services only, never to SQL."""
