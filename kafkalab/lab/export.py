"""kafkalab's offline report as an nbconvert exporter: ``jupyter nbconvert --to kafkalab NOTEBOOK.ipynb``.

Registered under the entry point group ``nbconvert.exporters`` with the name ``kafkalab``, so
JupyterLab's **File → Save and Export Notebook As** menu lists it (JupyterLab 4 labels an exporter by
its name, capitalised: "Kafkalab"; ``export_from_notebook`` is the label other front ends show).
JupyterLab exports through jupyter_server's ``GET /nbconvert/kafkalab/<path>?download=true``, which
saves the notebook first and converts the saved file: what the learner saw, never re-executed.

It writes the same self-contained page as ``python -m kafkalab report`` (``report.render_html`` uses
this class): the ``lab`` template without network loads, figures as PNG ``data:`` URIs, widget views
replaced by a one-line note (``report.to_static``), and markdown **always rendered**. The stock HTML
export escapes every markdown cell when "Sanitize HTML" is ticked (JupyterLab's export dialog ticks
it; nbconvert issue 2016); this exporter ignores ``sanitize_html`` wherever it comes from (a request
flag, ``HTMLExporter.sanitize_html`` in a config file): a learner exports their own notebook.
"""

from __future__ import annotations

import copy
from typing import Any

from jinja2 import DictLoader, pass_context
from mistune import HTMLRenderer
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from traitlets import default, validate

from . import report


class _Renderer(IPythonRenderer):
    """nbconvert's markdown renderer, but inline HTML without an image is left as written.

    With ``embed_images`` nbconvert re-parses every HTML fragment of a markdown cell to inline its
    images, and a lone opening tag comes back closed: ``A <b>bold</b> claim`` renders as
    ``A <b></b>bold claim``. Only fragments holding an ``<img`` need that.
    """

    def inline_html(self, html: str) -> str:
        return super().inline_html(html) if "<img" in html.lower() else HTMLRenderer.inline_html(self, html)

    def block_html(self, html: str) -> str:
        return super().block_html(html) if "<img" in html.lower() else HTMLRenderer.block_html(self, html)


class KafkalabExporter(HTMLExporter):
    """nbconvert's HTML exporter producing kafkalab's offline report of an (already executed) notebook."""

    export_from_notebook = "kafkalab report (offline HTML)"

    @default("template_file")
    def _template_file_default(self) -> str:
        return report.TEMPLATE_NAME

    @default("embed_images")
    def _embed_images_default(self) -> bool:
        return True

    @default("extra_loaders")
    def _extra_loaders_default(self) -> list:
        return [DictLoader({report.TEMPLATE_NAME: report.TEMPLATE})]

    @validate("sanitize_html")
    def _never_sanitize(self, proposal: dict) -> bool:
        return False  # the sanitizer escapes every markdown cell: headings would read "<h1>..."

    @pass_context
    def markdown2html(self, context: Any, source: str) -> str:
        """HTMLExporter's markdown filter with ``_Renderer`` (inline HTML kept as written)."""
        cell = context.get("cell", {})
        renderer = _Renderer(escape=False, attachments=cell.get("attachments", {}), embed_images=self.embed_images,
                             path=context.get("resources", {}).get("metadata", {}).get("path", ""),
                             anchor_link_text=self.anchor_link_text, exclude_anchor_links=self.exclude_anchor_links,
                             **self.lexer_options)
        return MarkdownWithMath(renderer=renderer).render(source)

    def _init_resources(self, resources: dict | None) -> dict:
        resources = super()._init_resources(resources)
        resources["should_sanitize_html"] = False
        return resources

    def from_notebook_node(self, nb: Any, resources: dict | None = None, **kw: Any) -> tuple[str, dict]:
        """The offline page of ``nb`` (a copy is made static; ``nb`` itself is not changed).

        Raises:
            RuntimeError: the page would still load something from the network.
        """
        static = report.to_static(copy.deepcopy(nb))
        body, resources = super().from_notebook_node(static, resources, **kw)
        remote = report.network_references(body)
        if remote:  # a new nbconvert template or an output type nobody has checked: fail loudly
            name = (resources.get("metadata") or {}).get("name", "notebook")
            raise RuntimeError(f"{name}: the report would load from the network: {remote[:5]}")
        return body, resources
