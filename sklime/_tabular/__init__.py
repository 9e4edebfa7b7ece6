"""Tables: the explainer, its schema, bins, sampling schemes and explanation."""
