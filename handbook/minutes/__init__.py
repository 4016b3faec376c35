"""A meeting's minutes (biên bản): drafted from what the branch already did (attendance,
agenda, documents, comments and their dispositions, votes), edited section by section,
read aloud for the reading-back, approved by the chair and the minute-taker, then locked and
hashed; exported as DOCX and PDF in the usual layout of a branch's minutes."""
