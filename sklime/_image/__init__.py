"""Images: the explainer, segmentations and the explanation."""
