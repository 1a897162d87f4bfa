"""Reading a point typed or pasted into the coordinates field."""

import pytest

from incidents.coordinates import CoordinateError, parse_coordinates

TRYPILSKA = (50.135, 30.738)


@pytest.mark.parametrize(
    "text",
    [
        "50.135, 30.738",
        "50.135,30.738",
        "50.135 30.738",
        "50.135; 30.738",
        "  50.135 ,  30.738  ",
        "50.135 N 30.738 E",
        "50.135N 30.738E",
        "50.135 n, 30.738 e",
        "N 50.135 E 30.738",
        "N50.135 E30.738",
        "30.738 E, 50.135 N",
        "E 30.738 N 50.135",
        "50.135° N, 30.738° E",
        "50,135 30,738",
        "50,135; 30,738",
        "30.738, 50.135",  # swapped: only lat, lon in this order lies in Ukraine
    ],
)
def test_it_reads_decimal_degrees_in_every_order_reports_use(text):
    reading = parse_coordinates(text)
    assert (round(reading.latitude, 6), round(reading.longitude, 6)) == TRYPILSKA


@pytest.mark.parametrize(
    "text",
    [
        "50°08′06″N 30°44′17″E",
        "50°08'06\"N 30°44'17\"E",
        "50°08’06”N, 30°44’17”E",
        "N 50°08'06\" E 30°44'17\"",
        "30°44'17\"E 50°08'06\"N",
        "50° 08' 06'' N 30° 44' 17'' E",
        "50º08'06\"N 30º44'17\"E",
    ],
)
def test_it_reads_degrees_minutes_and_seconds(text):
    reading = parse_coordinates(text)
    assert reading.latitude == pytest.approx(50 + 8 / 60 + 6 / 3600)
    assert reading.longitude == pytest.approx(30 + 44 / 60 + 17 / 3600)
    assert not reading.swapped


def test_it_reads_degrees_and_decimal_minutes():
    reading = parse_coordinates("50°8.1'N 30°44.28'E")
    assert reading.latitude == pytest.approx(50.135)
    assert reading.longitude == pytest.approx(30.738)


def test_it_says_which_order_it_understood():
    assert parse_coordinates("50.135, 30.738").message == (
        "Read as latitude 50.135, longitude 30.738."
    )


def test_it_swaps_two_bare_numbers_only_when_the_swap_lies_in_ukraine_and_says_so():
    reading = parse_coordinates("30.738, 50.135")
    assert (reading.latitude, reading.longitude, reading.swapped) == (50.135, 30.738, True)
    assert "swapped" in reading.message
    assert "latitude 50.135, longitude 30.738" in reading.message
    # Neither order in Ukraine: taken as given.
    far = parse_coordinates("48.8566, 2.3522")
    assert (far.latitude, far.longitude, far.swapped) == (48.8566, 2.3522, False)
    # Letters decide, whatever the bounds say.
    lettered = parse_coordinates("30.738 N, 50.135 E")
    assert (lettered.latitude, lettered.longitude, lettered.swapped) == (30.738, 50.135, False)


def test_south_and_west_and_minus_signs_are_negative():
    reading = parse_coordinates("33.9 S 18.4 W")
    assert (reading.latitude, reading.longitude) == (-33.9, -18.4)
    assert parse_coordinates("-33.9, -18.4").latitude == -33.9
    assert parse_coordinates("−33.9, 151.2").latitude == -33.9  # a typographic minus


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type the latitude and longitude"),
        ("   ", "Type the latitude and longitude"),
        ("50.135", "Expected two coordinates, latitude and longitude; found 1"),
        ("50.135, 30.738, 12", "found 3"),
        ("50 08 06 N 30 44 17 E", "found 6"),
        ("Kyiv", "“Kyiv” is not part of a coordinate"),
        ("north of Kyiv", "“north of Kyiv” is not part of a coordinate"),
        ("50.135 x 30.738", "“x” is not part of a coordinate"),
        ("50.135 Nord 30.738 E", "“Nord” is not part of a coordinate"),
        ("50.135 N 30.738 N", "Both coordinates are marked as latitude"),
        ("50.135 E, 30.738 W", "Both coordinates are marked as longitude"),
        ("50.135 N E 30.738 E", "Two hemisphere letters for one coordinate: E and E"),
        ("50°75'N 30°44'E", "Minutes must be below 60, not 75"),
        ("50°08'61\"N 30°44'E", "Seconds must be below 60, not 61"),
        ("08'06\"N 30°44'E", "has no degrees before it"),
        ("-50.135 N, 30.738 E", "A minus sign and the letter N together are ambiguous"),
        ("95, 200", "Latitude 95 is outside -90…90"),
        ("50, 200", "Longitude 200 is outside -180…180"),
        ("50.135 N 30.738 E W", "The letter W is not followed by a number"),
        ("N", "The letter N is not followed by a number"),
    ],
)
def test_it_names_what_is_wrong(text, message):
    with pytest.raises(CoordinateError) as error:
        parse_coordinates(text)
    assert message in str(error.value)
