int make_session_id(char out[33]);
