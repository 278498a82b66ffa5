"""kafkalab's offline report as an nbconvert exporter: ``jupyter nbconvert --to kafkalab NOTEBOOK.ipynb``.

Registered under the entry point group ``nbconvert.exporters`` with the name ``kafkalab``, so
JupyterLab's **File → Save and Export Notebook As** menu lists it (JupyterLab 4 labels an exporter by
its name, capitalised: "Kafkalab"; ``export_from_notebook`` is the label other front ends show).
JupyterLab exports through jupyter_server's ``GET /nbconvert/kafkalab/<path>?download=true``, which
saves the notebook first and converts the saved file: what the learner saw, never re-executed.

It writes the same self-contained page as ``python -m kafkalab report`` (``report.render_html`` uses
this class): the ``lab`` template without network loads, figures as PNG ``data:`` URIs, widget views
replaced by a one-line note (``to_static``), and markdown **always rendered**. The stock HTML
export escapes every markdown cell when "Sanitize HTML" is ticked (JupyterLab's export dialog ticks
it; nbconvert issue 2016); this exporter ignores ``sanitize_html`` wherever it comes from (a request
flag, ``HTMLExporter.sanitize_html`` in a config file): a learner exports their own notebook.
"""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from typing import Any

import nbformat
from jinja2 import DictLoader, pass_context
from mistune import HTMLRenderer
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from traitlets import default, validate

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ('<p class="kafkalab-widget-note"><em>Interactive controls: they run in JupyterLab only. '
               "A kafkalab panel's figure is kept as the notebook saved it.</em></p>")
# The lab template without its network loads: no require.js (only widgets need it), no widget
# renderer, no MathJax, no mermaid. PNG outputs get their text/plain as alt text (a kafkalab figure's
# one-sentence summary) instead of nbconvert's "No description has been provided for this image", and
# keep their width/height metadata (a 2x HiDPI panel image is shown at its display size).
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block data_png scoped -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
{%- set width = output | get_metadata('width', 'image/png') %}
{%- if width is not none %} width="{{ width | escape_html }}"{% endif %}
{%- set height = output | get_metadata('height', 'image/png') %}
{%- if height is not none %} height="{{ height | escape_html }}"{% endif %}
 alt="{{ (output.data.get('text/plain') or 'figure') | escape_html }}">
</div>
{%- endblock data_png -%}
"""
TEMPLATE_NAME = "kafkalab_report.html.j2"



def to_static(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Replace widget views by a note, drop saved widget state and remote images in markdown (in place).

    Two forms of a kafkalab panel are kept: a widget view bundle with an ``image/png`` fallback in the
    same output (the figure becomes its own output after the note), and a panel whose figure is a normal
    ``display_data`` output (``image/png`` + ``text/plain`` status) updated in place through a
    ``display_id``: the saved notebook holds its last state, kept as it is. Idempotent.
    """
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _drop_remote_images(cell.source)
            continue
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_VIEW in data:
                outputs.append(nbformat.v4.new_output("display_data", data={"text/html": WIDGET_NOTE}))
                if "image/png" in data:      # a ScenarioPanel: keep the figure published beside its widget view
                    out = nbformat.v4.new_output("display_data", data={k: v for k, v in data.items()
                                                                       if k != WIDGET_VIEW},
                                                 metadata=out.get("metadata", {}))
                else:
                    continue
            outputs.append(out)
        cell.outputs = outputs
    return nb


_REMOTE_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\((https?://[^)\s]+)[^)]*\)")
_REMOTE_HTML_IMAGE = re.compile(r"<img\b[^>]*\bsrc\s*=\s*[\"']https?://[^>]*>", re.IGNORECASE)


def _drop_remote_images(source: str) -> str:
    source = _REMOTE_MD_IMAGE.sub(lambda m: f"*[image not included offline: {m.group(1) or m.group(2)}]*", source)
    return _REMOTE_HTML_IMAGE.sub("*[image not included offline]*", source)


# -- offline check -------------------------------------------------------------------------------
_CSS_URL = re.compile(r"""url\(\s*['"]?\s*(https?:)?//|@import\s+['"]?(https?:)?//""", re.IGNORECASE)
_FETCHING = {"script": ("src",), "img": ("src", "srcset"), "iframe": ("src",), "source": ("src", "srcset"),
             "video": ("src", "poster"), "audio": ("src",), "embed": ("src",), "object": ("data",),
             "input": ("src",), "track": ("src",)}


class _NetworkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for attr in _FETCHING.get(tag, ()):
            if _is_remote(values.get(attr)):
                self.found.append(f"<{tag} {attr}={values[attr]}>")
        rel = (values.get("rel") or "").lower()
        if tag == "link" and _is_remote(values.get("href")) and rel not in ("", "noopener", "noreferrer"):
            self.found.append(f"<link rel={rel} href={values['href']}>")
        if values.get("style") and _CSS_URL.search(values["style"]):
            self.found.append(f"<{tag} style=...url()>")
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style and _CSS_URL.search(data):
            self.found.append(f"<style>: {_CSS_URL.search(data).group(0)}")


def _is_remote(value: str | None) -> bool:
    return bool(value) and bool(re.match(r"\s*(https?:)?//", value, re.IGNORECASE))


def network_references(page: str) -> list[str]:
    """Everything in ``page`` a browser would fetch from the network (scripts, styles, fonts, images...)."""
    finder = _NetworkFinder()
    finder.feed(page)
    finder.close()
    return finder.found



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
        return TEMPLATE_NAME

    @default("embed_images")
    def _embed_images_default(self) -> bool:
        return True

    @default("extra_loaders")
    def _extra_loaders_default(self) -> list:
        return [DictLoader({TEMPLATE_NAME: TEMPLATE})]

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
        static = to_static(copy.deepcopy(nb))
        body, resources = super().from_notebook_node(static, resources, **kw)
        remote = network_references(body)
        if remote:  # a new nbconvert template or an output type nobody has checked: fail loudly
            name = (resources.get("metadata") or {}).get("name", "notebook")
            raise RuntimeError(f"{name}: the report would load from the network: {remote[:5]}")
        return body, resources
