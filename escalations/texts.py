"""The escalation texts: one per rule message, and the clinicians' alert (no patient data)."""

from messaging.texts import TextSpec, register

PATIENT_MESSAGES = [
    "esc_r1", "esc_r2", "esc_r3", "esc_r4", "esc_r5_same_day", "esc_r5", "esc_r6_major", "esc_r6",
    "esc_r6_routine", "esc_r7", "esc_r8", "esc_r9", "esc_r10", "esc_r11", "esc_r12", "esc_r14",
    "esc_r15", "esc_r16", "esc_r17", "esc_r21", "esc_r22", "esc_r23", "esc_r24", "esc_r25",
    "esc_r25_medicine",
]  # fmt: skip
register(
    *(
        TextSpec(key, 3, {"emergency_number": "911", "crisis_line": "988"})
        for key in PATIENT_MESSAGES
    ),
    # The end of a check-in whose most severe rule has a message: that message and the
    # red-flag line (CLINICAL.md: every end-of-check-in message carries it).
    TextSpec("checkin_end", 6, {"advice": "SelfCare: " + "x" * 190}),
    # A clinician's own words (at most CARE_TEAM_REPLY_MAX characters) in the care team's frame.
    TextSpec("care_team_reply", 7, {"words": "x" * 320, "emergency_number": "911"}),
    TextSpec("care_team_seen", 2, {"emergency_number": "911"}),
    TextSpec("care_team_acknowledged", 2, {"emergency_number": "911"}),
    # Answers to a clinician's "ACK <code>" (care.replies.handle_staff_reply).
    TextSpec("staff_ack_done", 2, {"code": "123456"}),
    TextSpec("staff_ack_already", 2, {"code": "123456", "by": "x" * 40, "at": "14:05 UTC"}),
    TextSpec("staff_ack_unknown", 2, {"code": "123456"}),
    TextSpec("staff_ack_shared", 2, {"code": "123456"}),
    TextSpec("staff_ack_help", 2, {}),
    TextSpec(
        "staff_alert",
        2,
        {
            "severity": "emergency",
            "due": "14:05 UTC",
            "link": "https://selfcare.example.org/admin/escalations/escalation/123456/change/",
            "code": "1234",
            "whose": "your team's ",
        },
    ),
)
