"""Pure selective-prediction logic (numpy/scipy/torch, no transport): SGR and Learn-then-Test
certificates, SelectiveNet, and the training-job pipeline."""
