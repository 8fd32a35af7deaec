"""Imports that last as long as their process: a grading worker's (torch, nbgrader, the judge) and a zygote's.

Nothing they make is garbage, yet Python's full garbage collections would walk all of it again and again (about
250,000 objects, torch most of them): several times while importing (0.45 s of a grading command's start, in a
profile), and then in every child forked with it, on every full collection (a quarter of a second each in a
grading worker, 0.18 s in a student process). So the collector is off while they import, and what they made is
frozen out of its reach (``gc.freeze``) for this process and every child it forks.
"""
import contextlib
import gc


@contextlib.contextmanager
def imports():
    """Import, or set up, what this process keeps for its whole life inside ``with lasting.imports():``."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        keep()


def keep():
    """Everything this process has made so far lasts: out of its full garbage collections, and its children's."""
    gc.freeze()
