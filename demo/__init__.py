"""The demo outlet: its texts as data files, its generated pictures, and a seeder that creates
the stories through the workflow."""
