"""The course's own corpus: the classes and student code it is graded against.

- demo_class: the reference, the stub and one student per common mistake (`make bench`), and
  demo: `make demo`, that class with a few hostile submissions, graded and checked;
- hostile_class, authority_class, markup_class: submissions that break, lie to, or script the grader;
- mutations: realistic mistakes and correct alternatives, each an exact edit of one answer cell, and
  judged: the runner that judges them as submissions are judged (`make feedback-report`);
- student_code, student_code_nn: student-like functions, right and wrong, for the checks' own tests;
- cells: reading and editing a notebook's cells by grade id.

Every entry quotes the source notebooks' solution lines, so a change of a solution that breaks an
edit fails loudly instead of testing nothing. The tests grade these; tests/support holds only the
tests' own helpers.
"""
