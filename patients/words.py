"""Words of the patient pages in English and Spanish.

A small table instead of gettext catalogues: two languages, a few dozen strings, and no
compile step on a fresh machine. The `t` template filter reads it: {{ "today"|t:lang }}.
"""

WORDS: dict[str, tuple[str, str]] = {
    "app": ("SelfCare", "SelfCare"),
    "today": ("Today", "Hoy"),
    "program": ("My program", "Mi programa"),
    "progress": ("Progress", "Progreso"),
    "help": ("When to get help", "Cuándo pedir ayuda"),
    "sign_out": ("Sign out", "Cerrar sesión"),
    "language": ("Language", "Idioma"),
    "switch_language": ("Español", "English"),
    "due_today": ("Your steps for today", "Sus pasos para hoy"),
    "nothing_due": (
        "Nothing due today. Keep moving gently.",
        "Hoy no tiene nada pendiente. Siga moviéndose con suavidad.",
    ),
    "open_checkin": ("Your check-in is waiting", "Su control le espera"),
    "answer_checkin": ("Answer your check-in", "Responder el control"),
    "done": ("Done", "Hecho"),
    "mark_done": ("Mark as done", "Marcar como hecho"),
    "minutes": ("min", "min"),
    "education": ("Reading", "Lectura"),
    "exercise": ("Exercise", "Ejercicio"),
    "relaxation": ("Relaxation", "Relajación"),
    "how_to": ("How to do it", "Cómo hacerlo"),
    "dose": ("How much", "Cuánto"),
    "easier": ("Easier", "Más fácil"),
    "harder": ("Harder", "Más difícil"),
    "timer": ("Timer", "Temporizador"),
    "start_timer": ("Start", "Empezar"),
    "log_it": ("Log this exercise", "Registrar este ejercicio"),
    "felt": ("How did it feel?", "¿Cómo se sintió?"),
    "felt_easy": ("Easy", "Fácil"),
    "felt_ok": ("About right", "Adecuado"),
    "felt_hard": ("Hard", "Difícil"),
    "pain_during": ("Pain while doing it (0 to 10)", "Dolor durante el ejercicio (0 a 10)"),
    "save": ("Save", "Guardar"),
    "logged": ("Saved. Well done.", "Guardado. Bien hecho."),
    "breathe_in": ("Breathe in", "Inhale"),
    "breathe_out": ("Breathe out", "Exhale"),
    "breathing_guide": (
        "Follow the circle: breathe in as it grows, out as it shrinks.",
        "Siga el círculo: inhale cuando crece y exhale cuando se achica.",
    ),
    "week": ("Week", "Semana"),
    "due": ("Due", "Para el"),
    "upcoming": ("Coming up", "Próximamente"),
    "pain_chart": ("Your pain over time", "Su dolor con el tiempo"),
    "back_pain": ("Back pain", "Dolor de espalda"),
    "leg_pain": ("Leg pain", "Dolor de pierna"),
    "date": ("Date", "Fecha"),
    "no_answers": (
        "Your pain scores will show here after your first check-in.",
        "Sus puntuaciones de dolor aparecerán aquí tras su primer control.",
    ),
    "exercises_logged": ("Exercises logged", "Ejercicios registrados"),
    "steps_done": ("Steps done", "Pasos hechos"),
    "checkin": ("Check-in", "Control"),
    "submit_checkin": ("Send my answers", "Enviar mis respuestas"),
    "yes": ("Yes", "Sí"),
    "no": ("No", "No"),
    "checkin_thanks": (
        "Thank you. Your answers are with your care team.",
        "Gracias. Su equipo de salud tiene sus respuestas.",
    ),
    "fix_errors": (
        "Please answer the questions marked below.",
        "Por favor, responda las preguntas marcadas abajo.",
    ),
    "required": ("Please answer this question.", "Por favor, responda esta pregunta."),
    "emergency_now": ("Please act on this now", "Actúe ahora, por favor"),
    "follow_up": ("Only if you answered yes just above", "Solo si respondió sí justo arriba"),
    "send_link": ("Send me a sign-in link", "Envíenme un enlace para entrar"),
    "your_mobile": ("Your mobile number", "Su número de móvil"),
    "link_intro": (
        "We will text you a link that signs you in. It works once, for 10 minutes.",
        "Le enviaremos un mensaje con un enlace para entrar. Sirve una vez, durante 10 minutos.",
    ),
    "link_sent": (
        "If this number is enrolled in SelfCare, a link is on its way by text. It works once, for 10 minutes.",
        "Si este número está inscrito en SelfCare, le llegará un enlace por mensaje. Sirve una vez, durante 10 minutos.",
    ),
    "continue": ("Continue", "Continuar"),
    "continue_intro": (
        "Tap Continue to sign in to SelfCare.",
        "Toque Continuar para entrar en SelfCare.",
    ),
    "link_expired": (
        "This link has expired or was already used.",
        "Este enlace caducó o ya se usó.",
    ),
    "new_link": ("Get a new link", "Pedir un enlace nuevo"),
    "too_many_tries": (
        "Too many links that did not work were opened from this connection. Please wait "
        "15 minutes and try again, or text LINK to get a new one.",
        "Desde esta conexión se abrieron demasiados enlaces que no funcionaron. Espere 15 "
        "minutos y vuelva a intentarlo, o envíe LINK por mensaje para recibir uno nuevo.",
    ),
    "schedule": ("When should we text you?", "¿Cuándo le enviamos mensajes?"),
    "schedule_link": ("Choose when we text you", "Elegir cuándo le escribimos"),
    "schedule_now": ("Your check-ins come on", "Sus controles llegan"),
    "schedule_days": ("Days", "Días"),
    "schedule_days_hint_one": (
        "Tick 1 day, or none for your usual day.",
        "Marque 1 día, o ninguno para su día de siempre.",
    ),
    "schedule_days_hint_n": (
        "Tick {count} days, or none for your usual days.",
        "Marque {count} días, o ninguno para sus días de siempre.",
    ),
    "schedule_time": ("Time", "Hora"),
    "schedule_usual_time": ("My usual time", "Mi hora de siempre"),
    "schedule_saved": ("Saved. We will text you then.", "Guardado. Le escribiremos entonces."),
    "schedule_one_day": (
        "Your plan has 1 check-in a week: tick one day.",
        "Su plan tiene 1 control por semana: marque un día.",
    ),
    "schedule_n_days": (
        "Your plan has {count} check-ins a week: tick {count} days.",
        "Su plan tiene {count} controles por semana: marque {count} días.",
    ),
    "schedule_quiet_hours": (
        "We don't text at that time of night. Please pick a time from the list.",
        "No enviamos mensajes a esa hora de la noche. Elija una hora de la lista.",
    ),
    "schedule_days_unknown": ("Please tick days from the list.", "Marque días de la lista."),
    "schedule_time_unknown": ("Please pick a time from the list.", "Elija una hora de la lista."),
    "schedule_no_program": (
        "Your check-ins are not set up yet. Your care team will set them up.",
        "Sus controles aún no están listos. Su equipo de salud los preparará.",
    ),
    "choice_burning": ("Burning", "Ardor"),
    "choice_tingling": ("Tingling or pins and needles", "Hormigueo"),
    "choice_electric_shocks": ("Electric shocks", "Descargas eléctricas"),
    "choice_numbness": ("Numbness", "Adormecimiento"),
    "choice_light_touch_hurts": ("Light touch hurts", "Le duele un roce suave"),
    "choice_lower_back": ("Lower back", "Espalda baja"),
    "choice_upper_back": ("Upper back", "Espalda alta"),
    "choice_neck": ("Neck", "Cuello"),
    "choice_left_shoulder_arm": ("Left shoulder or arm", "Hombro o brazo izquierdo"),
    "choice_right_shoulder_arm": ("Right shoulder or arm", "Hombro o brazo derecho"),
    "choice_left_hand": ("Left hand", "Mano izquierda"),
    "choice_right_hand": ("Right hand", "Mano derecha"),
    "choice_left_buttock_leg": ("Left buttock or leg", "Glúteo o pierna izquierda"),
    "choice_right_buttock_leg": ("Right buttock or leg", "Glúteo o pierna derecha"),
    "choice_left_foot": ("Left foot", "Pie izquierdo"),
    "choice_right_foot": ("Right foot", "Pie derecho"),
    "choice_trunk_chest": ("Trunk or chest", "Tronco o pecho"),
    "choice_head_face": ("Head or face", "Cabeza o cara"),
}


def word(key: str, language: str) -> str:
    english, spanish = WORDS[key]
    return spanish if language == "es" else english
