"""The site engine: executes the demos (`build`), renders the pages (`hooks`), and starts new
questions (`scaffold`). Nothing here is imported by a demo."""
