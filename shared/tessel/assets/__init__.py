"""Real models, text and datasets that work offline: resolved, converted, verified and cached locally.

- `models`: model references -> local Hugging Face folders (SmolLM2-135M from its GGUF, tiny random Llamas).
- `corpus`: the default public-domain corpus (or a user folder), split by document, token streams.
- `cloze`: the held-out multiple-choice next-word task and its scorer.
- `datasets`: image/tabular datasets with deterministic train/validation/test splits.
- `evaluation`: held-out perplexity and cloze accuracy of a language model.
- `registry`: the named assets behind `tessel assets list/fetch/verify`.
"""
