"""The application core: Qt-free services, the command line and ``python -m desktop``."""

__version__ = "0.1.0"
APP_NAME = "zhk-cabinet"
