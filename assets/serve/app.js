// Placeholder: web19 owns the page's script.
"use strict";
