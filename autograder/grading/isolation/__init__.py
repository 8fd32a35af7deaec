"""Where submitted code runs when grading, and what keeps it there.

- ``sandbox``       bubblewrap and resource limits: the course's files, network and other students out of reach
- ``warm_kernel``   a zygote per grading worker: kernels and probe processes forked with torch already imported
- ``probe_server``  a probe process: the student's cells defined, the judge's calls answered with values
"""
