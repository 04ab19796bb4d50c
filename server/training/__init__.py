"""Technician training: courses, quizzes and the monthly study minimum."""
