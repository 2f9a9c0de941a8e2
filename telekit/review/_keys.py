"""Keyboard shortcuts for the review app: a tiny ``anywidget`` that forwards key presses.

ipywidgets has no key events on a plain box, and a ``<script>`` in an HTML widget does not run
in JupyterLab 4. ``KeyShortcuts`` is an anywidget (a front-end ES module shipped as a string, so
it works offline in JupyterLab and in Voilà alike) that listens for key presses and sends the
key to Python, where ``on_key`` callbacks act on it.

A key counts only when no modifier (Ctrl, Alt, Meta) is held, the focus is not in a text box
(input, textarea, select, contenteditable), and the focus is inside the app (the nearest
``.telekit-review`` element, made focusable so a click anywhere in it gives it the focus) or, in
a page without a notebook editor (Voilà: no command / edit mode), on the page itself. A handled
key stops there, so JupyterLab's command-mode shortcuts (``c`` copy cell, ``d d`` delete cell)
never see it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

_ESM = r"""
const TEXT = "input, textarea, select, [contenteditable=''], [contenteditable='true']";
// a notebook editor (JupyterLab, Notebook 7) has its own single-key shortcuts; Voila has none
const EDITOR = ".jp-Notebook.jp-mod-commandMode, .jp-Notebook.jp-mod-editMode";

function render({ model, el }) {
  el.classList.add("telekit-review-keys");
  const root = () => el.closest(model.get("root_selector"));
  const focusable = () => {
    const r = root();
    if (r && !r.hasAttribute("tabindex")) r.setAttribute("tabindex", "-1");
  };
  focusable();
  const timer = setTimeout(focusable, 0);
  const onKey = (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey || event.repeat) return;
    const key = (event.key || "").toLowerCase();
    if (!model.get("shortcuts").includes(key)) return;
    const r = root();
    if (!r || !r.isConnected) return;
    const target = event.target;
    if (target instanceof Element && target.closest(TEXT)) return;
    const inside = target instanceof Node && r.contains(target);
    const page = target === document.body || target === document.documentElement;
    const editor = document.querySelector(EDITOR) !== null;
    if (!inside && !(page && !editor)) return;
    event.preventDefault();
    event.stopPropagation();
    event.stopImmediatePropagation();
    model.send({ key });
  };
  window.addEventListener("keydown", onKey, true);
  return () => {
    clearTimeout(timer);
    window.removeEventListener("keydown", onKey, true);
  };
}

export default { render };
"""


class KeyShortcuts(anywidget.AnyWidget):
    """Forwards presses of ``keys`` (single keys, kept lower-case in ``shortcuts``) made inside
    the element matching ``root_selector`` to the ``on_key`` callbacks. Display it inside the
    app (it draws nothing)."""

    _esm = _ESM
    shortcuts = traitlets.List(traitlets.Unicode()).tag(sync=True)
    root_selector = traitlets.Unicode(".telekit-review").tag(sync=True)

    def __init__(self, keys: list[str], *, root_selector: str = ".telekit-review") -> None:
        super().__init__(shortcuts=[k.lower() for k in keys], root_selector=root_selector)
        self._callbacks: list[Callable[[str], None]] = []
        self.on_msg(self._received)

    def on_key(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(key)`` for each shortcut pressed in the browser."""
        self._callbacks.append(callback)

    def press(self, key: str) -> None:
        """Act as if ``key`` had been pressed (what the browser sends; for tests and scripts)."""
        self._received(self, {"key": key}, [])

    def _received(self, _: Any, content: Any, buffers: Any) -> None:
        key = content.get("key") if isinstance(content, dict) else None
        if not isinstance(key, str) or key.lower() not in self.shortcuts:
            return
        for callback in self._callbacks:
            callback(key.lower())
