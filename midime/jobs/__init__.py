"""The jobs the scripts run, end to end: train (or evaluate) a small model on songs,
generate music with it, measure it against the plain MusicVAE. Each takes one options
object whose fields are named as the script's flags."""
