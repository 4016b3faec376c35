"""Vietnamese text-to-speech: normalisation, sentences, engines, audio, cache and the document
pipeline (``tts.pipeline.synthesize_document``). Imports no Flask."""
