"""Documents: the explainer, documents and their noise, the vectorizer shortcut."""
