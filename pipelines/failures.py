"""Why a build, a publication or a rollback failed, in one French sentence (the traceback goes to a log)."""
from __future__ import annotations

import errno
from pathlib import Path

_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
_NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


def failure_reason(exc: BaseException, out: Path) -> str:
    """Why a build failed, in French: a full disk and a store that cannot be written are said plainly; any other
    error keeps its type and text for the developer who reads the message with the log."""
    if isinstance(exc, OSError):
        code = exc.errno
        text = str(exc).lower()
        if code is None:  # pyarrow's I/O errors carry the errno in their text only
            code = (errno.ENOSPC if "no space left" in text or "errno 28" in text else
                    errno.EROFS if "read-only file system" in text else
                    errno.EACCES if "permission denied" in text else None)
        where = exc.filename or out
        if code in _DISK_FULL:
            return f"disque plein en écrivant dans {where} : libérez de la place puis relancez"
        if code in _NOT_WRITABLE:
            return f"écriture impossible dans {where} (droits insuffisants ou disque en lecture seule)"
        return f"erreur de lecture ou d'écriture sur {where}"
    return f"{type(exc).__name__} : {exc}"
