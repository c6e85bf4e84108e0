"""Safety: the policy on questions and answers, and the prompt-injection defence."""
