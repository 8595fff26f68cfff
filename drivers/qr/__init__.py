"""QR decoding from images and camera frames to raw payload bytes."""
