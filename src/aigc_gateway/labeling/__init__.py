"""Labels for generated content and their verification.

- :mod:`.implicit`: GB 45438 implicit label (``Label``, ``ContentProducer``, ``ProduceID`` …)
- :mod:`.explicit`: the visible "AI-generated" label, in the user's language
- :mod:`.watermark`: the keyed text watermark in the local model's sampler, and its detector
- :mod:`.fingerprint`: the fingerprint registry that traces copied text back to its request
- :mod:`.images`: C2PA manifest, XMP metadata and invisible watermark for images
- :mod:`.labeler`: the pipeline's label stage that ties them together
- :mod:`.verify`: the verdict on a suspect text or image, with every piece of evidence
"""
