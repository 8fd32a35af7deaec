"""The instructor's side: a whole class graded with nbgrader. Notebooks never import it, and none
of it runs in a student's kernel.

- ``cli``           ``python -m autograder release | grade | feedback | selfcheck``
- ``folders``       the course on disk: its folders as nbgrader names them, assignments, source notebooks, config
- ``nbgrader_commands``  nbgrader's own commands, run in a course folder as an instructor runs them
- ``release``       make release: the student notebooks (release/) and the reading edition (notebooks/)
- ``gradebook``     the course's gradebook: where it is, each step's scores, grades.csv
- ``batch``         a class graded in parallel, only what changed, with a warm process per worker
- ``worker``        one grading worker: set up once, then a job's files in, its results out
- ``lasting``       what a worker or zygote imports for its whole life, kept out of the garbage collector's way
- ``window``        jobs sent to workers with a bounded number out at once (the pool's and the cluster's)
- ``cluster``       the same jobs on the workers of a Dask cluster (``make grade SCHEDULER=…``)
- ``submission``    what is wrong with a submitted folder before it is graded (missing, renamed, broken)
- ``repair``        a damaged submission repaired before grading, where its answers can be found without guessing
- ``failures``      a submission that could not be graded: zero, with the reason on its feedback page
- ``judge``         every graded step decided here, against a student process that runs the student's code
- ``student_process`` the judge's line to that process: cells defined, functions called, failures named
- ``verdict``       a step's verdict record: kept in its test cell, rendered in any language where it is read
- ``report``        the grade table and the class report (scores per step, the most common mistakes, by key)
- ``selfcheck``     a student's or author's own notebooks graded with the hidden tests
- ``third_party``   third-party warnings that mean nothing for grading, kept off the progress bar
- ``plugins/``      nbgrader's plug-ins, named in nbgrader_config.py
- ``isolation/``    where submitted code runs: the sandbox, the zygote, student processes
"""
