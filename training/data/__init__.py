"""Data: the public corpora's formats read into articles (:mod:`.importers`), probable unlabelled triggers masked
(:mod:`.partial_labels`), articles cut into labelled windows (:mod:`.features`) and padded into batches
(:mod:`.collator`)."""
