"""Failures from libraries and the operating system, as messages a clerk can act on.

``OfficeError`` is what our own code raises for expected failures. Libraries raise their
own types for the same kinds of trouble (a damaged database page, a full disk, a path that
is a folder, a form id nobody defined); ``user_error`` turns those into ``OfficeError`` so
the command line and the GUI show the same words, and only a real bug reaches the
"unexpected error" message.
"""

from __future__ import annotations

import errno

from desktop.errors import DiskFull, InvalidInput, OfficeError
from desktop.store.connection import DatabaseError, translate_error
from forms.errors import UnknownForm

_OS_ERRORS = {
    errno.ENOENT: ("找不到 {path}", "{path} does not exist"),
    errno.EISDIR: ("{path} 是一个文件夹，这里需要一个文件", "{path} is a folder; a file is needed here"),
    errno.ENOTDIR: ("{path} 的路径中有一项是文件而不是文件夹", "part of the path {path} is a file, not a folder"),
    errno.EEXIST: ("{path} 已存在，不会覆盖", "{path} already exists; it is not overwritten"),
    errno.EACCES: ("没有权限访问 {path}", "no permission to use {path}"),
    errno.EPERM: ("没有权限访问 {path}", "no permission to use {path}"),
    errno.EROFS: ("{path} 所在的磁盘只能读、不能写", "{path} is on a read-only disk"),
    errno.ENAMETOOLONG: ("{path} 的文件名太长，请换一个短一些的名字", "the name {path} is too long; choose a shorter one"),
}


def user_error(exc: BaseException) -> OfficeError | None:
    """``exc`` as the message for the person at the keyboard, or None if it is a bug."""
    if isinstance(exc, OfficeError):
        return exc
    if isinstance(exc, DatabaseError):
        known = translate_error(exc)
        return known if isinstance(known, OfficeError) else None
    if isinstance(exc, UnknownForm):
        return InvalidInput(f"没有编号为“{exc.form_id}”的表单。anhui-collect template 列出所有表单。",
                            f"There is no form '{exc.form_id}'. 'anhui-collect template' lists the forms.")
    if isinstance(exc, MemoryError):
        return OfficeError("电脑内存不足，操作没有完成。请关闭其他程序后再试。",
                           "The computer ran out of memory; nothing was done. Close other programs and try again.")
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return DiskFull()
        words = _OS_ERRORS.get(exc.errno or 0)
        if exc.filename is not None:
            # A rename names its destination second; that is the path the person gave.
            path = str(exc.filename2 if exc.filename2 is not None else exc.filename)
            if words is None:
                return OfficeError(f"无法使用 {path}：{exc.strerror}", f"Cannot use {path}: {exc.strerror}")
            return OfficeError(words[0].format(path=path) + "。", words[1].format(path=path) + ".")
    return None
