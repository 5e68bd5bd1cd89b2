"""Tessel block-distiller: block libraries (training-free init + BLD) and global knowledge distillation."""
