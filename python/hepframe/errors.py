"""hepframe's exceptions, by category. Every one derives from :class:`HepframeError`; where a
builtin category fits, it derives from that too (``except FileNotFoundError`` works)."""

import builtins


class HepframeError(Exception):
    """Base class of hepframe's errors."""


class FileNotFoundError(HepframeError, builtins.FileNotFoundError):
    """An input file does not exist."""


class InputError(HepframeError, OSError):
    """An input file cannot be read (permissions, I/O error)."""


class NotFoundError(HepframeError, KeyError):
    """A tree or branch asked for is not in the file (the message suggests near names)."""

    def __str__(self):  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class FormatError(HepframeError):
    """The file's bytes are not valid ROOT data: the message names the file, object, basket and offset."""


class ExpressionError(HepframeError):
    """An expression does not parse, does not type-check, or fails on the data; the message shows
    the expression with a caret under the mistake."""


class AnalysisError(HepframeError):
    """The analysis is malformed (bad binning, duplicate names, a bad analysis file)."""


class ExecutionError(HepframeError):
    """A distributed or batch run failed: a work item is missing, or killed its workers."""


class OutputError(HepframeError, OSError):
    """An output could not be written."""
