"""Pure builders of Block Kit views and messages from Leonar models. No I/O."""
