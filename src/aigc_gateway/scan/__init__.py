"""Dataset scanning: the guards, labels and verifier applied to every record of a corpus."""
