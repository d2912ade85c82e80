"""Output files of the command-line tools, written all together or not at all.

Each table is written to a temporary file beside its target and renamed onto it only when
every output of the command has been written (:func:`staged_outputs`): a failed run leaves no
output, and no temporary file, behind, and existing files keep their contents.

A temporary file is created the way any new file is (``open(..., 0o666)``, so the umask or
the directory's default ACL decides its permissions: 0644 with umask 022), not with
``mkstemp``'s 0600, and keeps those permissions when it is renamed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["StagedOutputs", "staged_outputs", "write_atomically"]


class StagedOutputs:
    """Temporary files beside their targets, renamed onto them together by :meth:`commit`."""

    def __init__(self) -> None:
        # (temporary, target, permissions the temporary file was created with)
        self._staged: list[tuple[Path, Path, int]] = []

    def add(self, target: Path) -> Path:
        """A new, empty temporary file beside ``target``, to write ``target``'s table to."""
        for _ in range(100):
            temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
            try:
                handle = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            except FileExistsError:
                continue
            os.close(handle)
            mode = stat.S_IMODE(temporary.stat().st_mode)
            self._staged.append((temporary, target, mode))
            return temporary
        raise OSError(f"no free temporary file name beside {str(target)!r}")  # pragma: no cover

    def commit(self) -> None:
        """Rename every temporary file onto its target; on failure, undo the renames done."""
        done: list[tuple[Path, Path | None, bool]] = []  # (target, backup, existed before)
        try:
            for temporary, target, mode in self._staged:
                # a writer may have replaced the file: give it its creation permissions back
                os.chmod(temporary, mode)
                existed = target.exists()
                backup = _hard_link_backup(target) if existed else None
                os.replace(temporary, target)
                done.append((target, backup, existed))
        except OSError:
            for target, backup, existed in reversed(done):
                if backup is not None:
                    os.replace(backup, target)
                elif not existed:
                    target.unlink(missing_ok=True)
            raise
        finally:
            for _, backup, _ in done:
                if backup is not None:
                    backup.unlink(missing_ok=True)
        self._staged = []

    def discard(self) -> None:
        """Remove the temporary files not renamed (after a failure)."""
        for temporary, _, _ in self._staged:
            temporary.unlink(missing_ok=True)
        self._staged = []


def _hard_link_backup(target: Path) -> Path | None:
    """A second name for ``target``'s current file, to put it back if a later rename fails."""
    backup = target.with_name(f".{target.name}.{secrets.token_hex(6)}.bak")
    try:
        os.link(target, backup)
    except OSError:  # no hard links on this file system: the old file cannot be restored
        return None
    return backup


@contextlib.contextmanager
def staged_outputs() -> Iterator[StagedOutputs]:
    """Collect temporary outputs; commit them if the block succeeds, else remove them all."""
    staged = StagedOutputs()
    try:
        yield staged
        staged.commit()
    finally:
        staged.discard()


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write one file through a temporary file beside it, renamed into place on success."""
    with staged_outputs() as staged:
        write(staged.add(Path(path)))
