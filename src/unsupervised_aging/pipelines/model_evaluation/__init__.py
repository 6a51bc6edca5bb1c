"""model_evaluation: a regression suite in nested, animal-grouped cross-validation, with reports."""
