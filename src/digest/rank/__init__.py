"""The learned key point ranker: sentence splitting and lemmas (:mod:`.text`), features
that carry across languages (:mod:`.features`), the shipped linear model (:mod:`.model`),
the joint choice of one or two sentences (:mod:`.choose`) and its training
(:mod:`.train`, run by ``make train``; it needs scikit-learn). :mod:`digest.summarise` is
the public face.
"""
