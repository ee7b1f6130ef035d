"""A small Flask service: the code that the example's team checklist is run on."""
