"""Built-in carbon intensity of electricity per grid region, in gCO2e per kWh.

Values are Ember's 2023 carbon intensity of electricity generation (lifecycle, as published in
its Yearly Electricity Data and reproduced by Our World in Data), rounded; see docs/audit.md.
Configure ``audit.energy.grid_g_per_kwh`` for any other region or a newer year.
"""

GRID_INTENSITY_G_PER_KWH: dict[str, float] = {
    "world": 481.0,
    "CN": 582.0,
    "IN": 713.0,
    "AU": 549.0,
    "DE": 381.0,
    "CA": 170.0,
    "BR": 98.0,
    "FR": 56.0,
}
