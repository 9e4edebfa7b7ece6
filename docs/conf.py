"""Sphinx configuration of the sklime documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
after ``pip install -e ".[docs]"``.
"""

import os
import sys
from pathlib import Path

import sklime

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

project = "sklime"
author = "sklime developers"
copyright = "sklime developers"
release = sklime.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb"]

# -- API reference -----------------------------------------------------------
autosummary_generate = True
# Explanations share their methods through a private base: inherited methods
# are documented on each public class, scikit-learn's excepted (see setup).
autodoc_default_options = {
    "members": True,
    "member-order": "groupwise",
    "inherited-members": True,
}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# -- Markdown pages ----------------------------------------------------------
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

# -- Example gallery ---------------------------------------------------------
# Every file in examples/ is run (not only the plot_* default). The examples
# read no command-line arguments under sphinx-gallery, so the figure of
# tune_kernel_width.py is left open and scraped instead of saved to a file.
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/.*\.py",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "plot_gallery": os.environ.get("SKLIME_DOCS_PLOT_GALLERY", "True"),
}

# -- HTML output -------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklime {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}


def _skip_scikit_learn_methods(app, what, name, obj, skip, options):
    """Leave out the methods an estimator inherits from scikit-learn."""
    del app, name, options
    module = getattr(obj, "__module__", None) or ""
    if what == "class" and callable(obj) and not module.startswith("sklime"):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_scikit_learn_methods)
