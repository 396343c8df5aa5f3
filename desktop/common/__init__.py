"""Qt-free building blocks shared by the core and the screens: errors for the user, structured
problems, progress and cancellation of long work, Russian plurals.

This package imports nothing else of the project (an import-linter contract checks it), so any
layer may use it.
"""
