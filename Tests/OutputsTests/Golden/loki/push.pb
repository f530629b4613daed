
9
{app="web"}
 Ð±Øfirst Ã©
¢Ð±Ø
GET /a 200
6
{app="db", host="h\"1"}
 Ð±Ødb "quoted"	tab