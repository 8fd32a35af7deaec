"""Where submitted code runs when grading, and what keeps it there.

- ``sandbox``       bubblewrap and resource limits: the course's files, network and other students out of reach
- ``zygote``          one per grading worker, in the sandbox: kernels and student processes forked, torch imported where used
- ``zygote_control``  the grading side's hold on it: started, started again, stopped, asked for a child
- ``provisioner``     jupyter_client's kernel provisioner that asks the zygote for a kernel (--execute)
- ``student_server``  a student process: the student's cells defined, the judge's calls answered with values
"""
