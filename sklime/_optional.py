"""Optional dependencies, imported only when a feature needs them."""

import importlib


def import_optional(module, extra, feature):
    """Import ``module``, or say which sklime extra installs it.

    Parameters
    ----------
    module : str
        Module to import, e.g. ``"matplotlib.pyplot"``.
    extra : str
        The sklime extra that installs it, e.g. ``"plots"``.
    feature : str
        What needs it, for the error message, e.g. ``"Explanation.plot"``.

    Returns
    -------
    module : module

    Raises
    ------
    ModuleNotFoundError
        When the module cannot be imported; the message names the extra.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = module.partition(".")[0]
        raise ModuleNotFoundError(
            f"{feature} needs {package}, which cannot be imported ({exc}). "
            f'Install it with: pip install "sklime[{extra}]"',
            name=package,
        ) from exc
