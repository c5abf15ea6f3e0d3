"""Error messages in Dutch, French, German and English, keyed by the error's stable code (N-I18N).

Every ``code`` of ``lmb.domain.errors`` and ``lmb.application.errors`` has a message
here, plus the codes the HTTP layer itself uses (``auth.*``, ``body.*``, ``field.*``...).
Where the English detail of a domain error is known, its own translation is used: it
says more than the code's general message ("choose at least one centre" rather than
"this registration is not valid").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

LANGUAGES = ("nl", "fr", "de", "en")
DEFAULT_LANGUAGE = "en"

_Table = dict[str, dict[str, str]]

#: One message per error code, in every language; ``{name}`` placeholders come from params.
MESSAGES: _Table = {
    # -- domain: validation -------------------------------------------------------------
    "domain.error": {
        "en": "The request breaks a rule of the system.",
        "nl": "De aanvraag gaat in tegen een regel van het systeem.",
        "fr": "La demande enfreint une règle du système.",
        "de": "Die Anfrage verstößt gegen eine Regel des Systems.",
    },
    "validation.failed": {
        "en": "This value is not valid.",
        "nl": "Deze waarde is niet geldig.",
        "fr": "Cette valeur n'est pas valide.",
        "de": "Dieser Wert ist nicht gültig.",
    },
    "validation.fields": {
        "en": "Several fields are not valid.",
        "nl": "Meerdere velden zijn niet geldig.",
        "fr": "Plusieurs champs ne sont pas valides.",
        "de": "Mehrere Felder sind nicht gültig.",
    },
    "insz.invalid": {
        "en": "This is not a valid national register number or BIS number.",
        "nl": "Dit is geen geldig rijksregisternummer of BIS-nummer.",
        "fr": "Ce n'est pas un numéro de registre national ou un numéro BIS valide.",
        "de": "Dies ist keine gültige Nationalregisternummer oder BIS-Nummer.",
    },
    "name.invalid": {
        "en": "Enter a name of at most {max} characters.",
        "nl": "Vul een naam in van ten hoogste {max} tekens.",
        "fr": "Indiquez un nom de {max} caractères au maximum.",
        "de": "Geben Sie einen Namen mit höchstens {max} Zeichen ein.",
    },
    "postcode.unknown": {
        "en": "{postcode} is not a Belgian postcode.",
        "nl": "{postcode} is geen Belgische postcode.",
        "fr": "{postcode} n'est pas un code postal belge.",
        "de": "{postcode} ist keine belgische Postleitzahl.",
    },
    "email.invalid": {
        "en": "Enter a valid e-mail address.",
        "nl": "Vul een geldig e-mailadres in.",
        "fr": "Indiquez une adresse e-mail valide.",
        "de": "Geben Sie eine gültige E-Mail-Adresse ein.",
    },
    "mobile.invalid": {
        "en": "Enter a valid mobile number.",
        "nl": "Vul een geldig gsm-nummer in.",
        "fr": "Indiquez un numéro de GSM valide.",
        "de": "Geben Sie eine gültige Handynummer ein.",
    },
    "phone.invalid": {
        "en": "Enter a valid phone number.",
        "nl": "Vul een geldig telefoonnummer in.",
        "fr": "Indiquez un numéro de téléphone valide.",
        "de": "Geben Sie eine gültige Telefonnummer ein.",
    },
    "vaccination_code.invalid": {
        "en": "This is not a valid vaccination code.",
        "nl": "Dit is geen geldige vaccinatiecode.",
        "fr": "Ce n'est pas un code de vaccination valide.",
        "de": "Dies ist kein gültiger Impfcode.",
    },
    "availability.out_of_horizon": {
        "en": "Choose a day from {first} to {last}.",
        "nl": "Kies een dag van {first} tot {last}.",
        "fr": "Choisissez un jour du {first} au {last}.",
        "de": "Wählen Sie einen Tag vom {first} bis zum {last}.",
    },
    "availability.empty": {
        "en": "Choose at least one half-day on which you are free.",
        "nl": "Kies minstens één halve dag waarop u vrij bent.",
        "fr": "Choisissez au moins une demi-journée où vous êtes libre.",
        "de": "Wählen Sie mindestens einen halben Tag, an dem Sie frei sind.",
    },
    "time_range.invalid": {
        "en": "The end must come after the start, between 08:00 and 22:00.",
        "nl": "Het einde moet na het begin liggen, tussen 08:00 en 22:00.",
        "fr": "La fin doit suivre le début, entre 08:00 et 22:00.",
        "de": "Das Ende muss nach dem Beginn liegen, zwischen 08:00 und 22:00.",
    },
    "date.out_of_range": {
        "en": "Choose a date from {first} to {last}.",
        "nl": "Kies een datum van {first} tot {last}.",
        "fr": "Choisissez une date du {first} au {last}.",
        "de": "Wählen Sie ein Datum vom {first} bis zum {last}.",
    },
    "slots.invalid": {
        "en": "Give a whole number of slots from 1 to {max}.",
        "nl": "Geef een geheel aantal plaatsen van 1 tot {max}.",
        "fr": "Indiquez un nombre entier de places de 1 à {max}.",
        "de": "Geben Sie eine ganze Zahl von Plätzen von 1 bis {max} an.",
    },
    "centre.invalid": {
        "en": "The centre's data are not valid.",
        "nl": "De gegevens van het centrum zijn niet geldig.",
        "fr": "Les données du centre ne sont pas valides.",
        "de": "Die Angaben zum Zentrum sind nicht gültig.",
    },
    "short_code.invalid": {
        "en": "A short code has 1 to 4 letters.",
        "nl": "Een korte code heeft 1 tot 4 letters.",
        "fr": "Un code court compte 1 à 4 lettres.",
        "de": "Ein Kurzcode hat 1 bis 4 Buchstaben.",
    },
    "registration.invalid": {
        "en": "This registration is not complete or not valid.",
        "nl": "Deze inschrijving is niet volledig of niet geldig.",
        "fr": "Cette inscription est incomplète ou non valide.",
        "de": "Diese Anmeldung ist unvollständig oder ungültig.",
    },
    "group.size": {
        "en": "A group has {min} to {max} persons.",
        "nl": "Een groep telt {min} tot {max} personen.",
        "fr": "Un groupe compte {min} à {max} personnes.",
        "de": "Eine Gruppe besteht aus {min} bis {max} Personen.",
    },
    "group.disabled": {
        "en": "Registering as a group is not possible at the moment.",
        "nl": "Inschrijven als groep is op dit moment niet mogelijk.",
        "fr": "L'inscription en groupe n'est pas possible pour le moment.",
        "de": "Die Anmeldung als Gruppe ist derzeit nicht möglich.",
    },
    "registration.duplicate_person": {
        "en": "The same person appears twice.",
        "nl": "Dezelfde persoon komt twee keer voor.",
        "fr": "La même personne figure deux fois.",
        "de": "Dieselbe Person kommt zweimal vor.",
    },
    "companion.invalid": {
        "en": "A companion gives the booked person's vaccination code and exactly one half-day.",
        "nl": "Wie meekomt, geeft de vaccinatiecode van de geboekte persoon en precies één"
        " halve dag.",
        "fr": "Un accompagnant indique le code de vaccination de la personne ayant réservé et"
        " exactement une demi-journée.",
        "de": "Eine Begleitperson gibt den Impfcode der gebuchten Person und genau einen"
        " halben Tag an.",
    },
    "contact.missing": {
        "en": "The person who receives the invitation needs an e-mail address and a mobile number.",
        "nl": "Wie de uitnodiging ontvangt, heeft een e-mailadres en een gsm-nummer nodig.",
        "fr": "La personne qui reçoit l'invitation doit avoir une adresse e-mail et un"
        " numéro de GSM.",
        "de": "Wer die Einladung erhält, braucht eine E-Mail-Adresse und eine Handynummer.",
    },
    "centre.not_serving": {
        "en": "This centre does not serve that postcode.",
        "nl": "Dit centrum bedient die postcode niet.",
        "fr": "Ce centre ne dessert pas ce code postal.",
        "de": "Dieses Zentrum ist für diese Postleitzahl nicht zuständig.",
    },
    # -- domain: state -----------------------------------------------------------------
    "state.conflict": {
        "en": "This cannot be done in the current state.",
        "nl": "Dit kan in de huidige toestand niet.",
        "fr": "Ce n'est pas possible dans l'état actuel.",
        "de": "Das ist im aktuellen Zustand nicht möglich.",
    },
    "slot.none_left": {
        "en": "No free slot is left.",
        "nl": "Er is geen vrije plaats meer.",
        "fr": "Il n'y a plus de place libre.",
        "de": "Es ist kein freier Platz mehr übrig.",
    },
    "invitation.closed": {
        "en": "This invitation is closed.",
        "nl": "Deze uitnodiging is afgesloten.",
        "fr": "Cette invitation est clôturée.",
        "de": "Diese Einladung ist abgeschlossen.",
    },
    "registration.closed": {
        "en": "This registration can no longer be changed.",
        "nl": "Deze inschrijving kan niet meer gewijzigd worden.",
        "fr": "Cette inscription ne peut plus être modifiée.",
        "de": "Diese Anmeldung kann nicht mehr geändert werden.",
    },
    # -- application -------------------------------------------------------------------
    "application.error": {
        "en": "The request could not be carried out.",
        "nl": "De aanvraag kon niet worden uitgevoerd.",
        "fr": "La demande n'a pas pu être traitée.",
        "de": "Die Anfrage konnte nicht ausgeführt werden.",
    },
    "not_found": {
        "en": "Nothing was found here.",
        "nl": "Hier werd niets gevonden.",
        "fr": "Rien n'a été trouvé ici.",
        "de": "Hier wurde nichts gefunden.",
    },
    "forbidden": {
        "en": "You may not do this.",
        "nl": "U mag dit niet doen.",
        "fr": "Vous n'êtes pas autorisé à faire ceci.",
        "de": "Sie dürfen das nicht tun.",
    },
    "unavailable": {
        "en": "A service we depend on is not available. Please try again later.",
        "nl": "Een dienst waarvan we afhangen is niet beschikbaar. Probeer het later opnieuw.",
        "fr": "Un service dont nous dépendons n'est pas disponible. Réessayez plus tard.",
        "de": "Ein benötigter Dienst ist nicht erreichbar. Bitte versuchen Sie es später erneut.",
    },
    # -- HTTP layer ----------------------------------------------------------------------
    "validation.summary": {
        "en": "Some fields are not filled in correctly.",
        "nl": "Sommige velden zijn niet correct ingevuld.",
        "fr": "Certains champs ne sont pas correctement remplis.",
        "de": "Einige Felder sind nicht korrekt ausgefüllt.",
    },
    "field.invalid": {
        "en": "This value has the wrong type or format.",
        "nl": "Deze waarde heeft een verkeerd type of formaat.",
        "fr": "Cette valeur a un type ou un format incorrect.",
        "de": "Dieser Wert hat einen falschen Typ oder ein falsches Format.",
    },
    "field.one_of": {
        "en": "Choose one of: {allowed}.",
        "nl": "Kies een van: {allowed}.",
        "fr": "Choisissez parmi : {allowed}.",
        "de": "Wählen Sie eines von: {allowed}.",
    },
    "field.missing": {
        "en": "This field is required.",
        "nl": "Dit veld is verplicht.",
        "fr": "Ce champ est obligatoire.",
        "de": "Dieses Feld ist erforderlich.",
    },
    "body.malformed": {
        "en": "The request body is not valid JSON.",
        "nl": "De inhoud van de aanvraag is geen geldige JSON.",
        "fr": "Le corps de la requête n'est pas du JSON valide.",
        "de": "Der Inhalt der Anfrage ist kein gültiges JSON.",
    },
    "body.too_large": {
        "en": "The request body is too large.",
        "nl": "De inhoud van de aanvraag is te groot.",
        "fr": "Le corps de la requête est trop volumineux.",
        "de": "Der Inhalt der Anfrage ist zu groß.",
    },
    "body.csv_invalid": {
        "en": "The CSV file cannot be read: {reason}.",
        "nl": "Het CSV-bestand kan niet gelezen worden: {reason}.",
        "fr": "Le fichier CSV ne peut pas être lu : {reason}.",
        "de": "Die CSV-Datei kann nicht gelesen werden: {reason}.",
    },
    "auth.required": {
        "en": "Sign in with a bearer token.",
        "nl": "Meld u aan met een bearer-token.",
        "fr": "Identifiez-vous avec un jeton bearer.",
        "de": "Melden Sie sich mit einem Bearer-Token an.",
    },
    "auth.invalid": {
        "en": "This token is not valid.",
        "nl": "Dit token is niet geldig.",
        "fr": "Ce jeton n'est pas valide.",
        "de": "Dieses Token ist nicht gültig.",
    },
    "auth.role": {
        "en": "Your role does not allow this.",
        "nl": "Uw rol laat dit niet toe.",
        "fr": "Votre rôle ne le permet pas.",
        "de": "Ihre Rolle erlaubt das nicht.",
    },
    "rate_limited": {
        "en": "Too many requests. Please wait a moment and try again.",
        "nl": "Te veel aanvragen. Wacht even en probeer het opnieuw.",
        "fr": "Trop de requêtes. Patientez un instant et réessayez.",
        "de": "Zu viele Anfragen. Bitte warten Sie kurz und versuchen Sie es erneut.",
    },
    "route.not_found": {
        "en": "There is no such address.",
        "nl": "Dit adres bestaat niet.",
        "fr": "Cette adresse n'existe pas.",
        "de": "Diese Adresse gibt es nicht.",
    },
    "method.not_allowed": {
        "en": "This method is not allowed here.",
        "nl": "Deze methode is hier niet toegestaan.",
        "fr": "Cette méthode n'est pas autorisée ici.",
        "de": "Diese Methode ist hier nicht erlaubt.",
    },
    "media_type.unsupported": {
        "en": "This content type is not accepted here.",
        "nl": "Dit inhoudstype wordt hier niet aanvaard.",
        "fr": "Ce type de contenu n'est pas accepté ici.",
        "de": "Dieser Inhaltstyp wird hier nicht angenommen.",
    },
    "http.error": {
        "en": "The request could not be handled.",
        "nl": "De aanvraag kon niet verwerkt worden.",
        "fr": "La requête n'a pas pu être traitée.",
        "de": "Die Anfrage konnte nicht verarbeitet werden.",
    },
    "internal": {
        "en": "Something went wrong on our side. Please try again later.",
        "nl": "Er ging bij ons iets mis. Probeer het later opnieuw.",
        "fr": "Une erreur s'est produite de notre côté. Réessayez plus tard.",
        "de": "Bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es später erneut.",
    },
}

#: Short titles of the problem types, by HTTP status.
TITLES: dict[int, dict[str, str]] = {
    400: {"en": "Bad request", "nl": "Ongeldige aanvraag", "fr": "Requête invalide",
          "de": "Ungültige Anfrage"},
    401: {"en": "Not signed in", "nl": "Niet aangemeld", "fr": "Non identifié",
          "de": "Nicht angemeldet"},
    403: {"en": "Forbidden", "nl": "Niet toegestaan", "fr": "Interdit", "de": "Verboten"},
    404: {"en": "Not found", "nl": "Niet gevonden", "fr": "Introuvable",
          "de": "Nicht gefunden"},
    405: {"en": "Method not allowed", "nl": "Methode niet toegestaan",
          "fr": "Méthode non autorisée", "de": "Methode nicht erlaubt"},
    409: {"en": "Conflict", "nl": "Conflict", "fr": "Conflit", "de": "Konflikt"},
    413: {"en": "Request too large", "nl": "Aanvraag te groot", "fr": "Requête trop volumineuse",
          "de": "Anfrage zu groß"},
    415: {"en": "Unsupported media type", "nl": "Inhoudstype niet ondersteund",
          "fr": "Type de contenu non pris en charge", "de": "Nicht unterstützter Inhaltstyp"},
    422: {"en": "Invalid input", "nl": "Ongeldige invoer", "fr": "Saisie invalide",
          "de": "Ungültige Eingabe"},
    429: {"en": "Too many requests", "nl": "Te veel aanvragen", "fr": "Trop de requêtes",
          "de": "Zu viele Anfragen"},
    500: {"en": "Internal error", "nl": "Interne fout", "fr": "Erreur interne",
          "de": "Interner Fehler"},
    503: {"en": "Service unavailable", "nl": "Dienst niet beschikbaar",
          "fr": "Service indisponible", "de": "Dienst nicht verfügbar"},
}  # fmt: skip

#: Translations of the English details the domain and use cases give, where they say
#: more than the code's message. English uses the detail itself.
DETAILS: dict[str, dict[str, str]] = {
    "the last name is missing": {
        "nl": "De familienaam ontbreekt.",
        "fr": "Le nom de famille manque.",
        "de": "Der Nachname fehlt.",
    },
    "the first name is missing": {
        "nl": "De voornaam ontbreekt.",
        "fr": "Le prénom manque.",
        "de": "Der Vorname fehlt.",
    },
    "the last name is empty": {
        "nl": "De familienaam is leeg.",
        "fr": "Le nom de famille est vide.",
        "de": "Der Nachname ist leer.",
    },
    "the first name is empty": {
        "nl": "De voornaam is leeg.",
        "fr": "Le prénom est vide.",
        "de": "Der Vorname ist leer.",
    },
    "the e-mail address is missing": {
        "nl": "Het e-mailadres ontbreekt.",
        "fr": "L'adresse e-mail manque.",
        "de": "Die E-Mail-Adresse fehlt.",
    },
    "an INSZ has 11 digits": {
        "nl": "Een rijksregisternummer heeft 11 cijfers.",
        "fr": "Un numéro de registre national compte 11 chiffres.",
        "de": "Eine Nationalregisternummer hat 11 Ziffern.",
    },
    "an INSZ is a string of 11 digits": {
        "nl": "Een rijksregisternummer bestaat uit 11 cijfers.",
        "fr": "Un numéro de registre national se compose de 11 chiffres.",
        "de": "Eine Nationalregisternummer besteht aus 11 Ziffern.",
    },
    "give at least one person": {
        "nl": "Geef minstens één persoon op.",
        "fr": "Indiquez au moins une personne.",
        "de": "Geben Sie mindestens eine Person an.",
    },
    "give exactly one person": {
        "nl": "Geef precies één persoon op.",
        "fr": "Indiquez exactement une personne.",
        "de": "Geben Sie genau eine Person an.",
    },
    "choose at least one centre": {
        "nl": "Kies minstens één vaccinatiecentrum.",
        "fr": "Choisissez au moins un centre de vaccination.",
        "de": "Wählen Sie mindestens ein Impfzentrum.",
    },
    "too many centres": {
        "nl": "Kies ten hoogste {max} centra.",
        "fr": "Choisissez au maximum {max} centres.",
        "de": "Wählen Sie höchstens {max} Zentren.",
    },
    "unknown centre": {
        "nl": "Dit vaccinatiecentrum bestaat niet.",
        "fr": "Ce centre de vaccination n'existe pas.",
        "de": "Dieses Impfzentrum gibt es nicht.",
    },
    "only a doctor registers a patient": {
        "nl": "Alleen een arts kan een patiënt inschrijven.",
        "fr": "Seul un médecin peut inscrire un patient.",
        "de": "Nur eine Ärztin oder ein Arzt kann Patienten anmelden.",
    },
    "say who registers these persons": {
        "nl": "Vermeld wie deze personen inschrijft.",
        "fr": "Indiquez qui inscrit ces personnes.",
        "de": "Geben Sie an, wer diese Personen anmeldet.",
    },
    "give the booked person's code": {
        "nl": "Geef de vaccinatiecode van de persoon met een afspraak.",
        "fr": "Indiquez le code de vaccination de la personne qui a un rendez-vous.",
        "de": "Geben Sie den Impfcode der Person mit Termin an.",
    },
    "a companion gives exactly one day and half-day": {
        "nl": "Wie meekomt, kiest precies één dag en halve dag.",
        "fr": "Un accompagnant choisit exactement un jour et une demi-journée.",
        "de": "Eine Begleitperson wählt genau einen Tag und einen halben Tag.",
    },
    "the person receiving the invitation needs an e-mail address": {
        "nl": "Wie de uitnodiging ontvangt, heeft een e-mailadres nodig.",
        "fr": "La personne qui reçoit l'invitation doit avoir une adresse e-mail.",
        "de": "Wer die Einladung erhält, braucht eine E-Mail-Adresse.",
    },
    "the person receiving the invitation needs a mobile number": {
        "nl": "Wie de uitnodiging ontvangt, heeft een gsm-nummer nodig.",
        "fr": "La personne qui reçoit l'invitation doit avoir un numéro de GSM.",
        "de": "Wer die Einladung erhält, braucht eine Handynummer.",
    },
    "give the doctor's contact to receive the invitation": {
        "nl": "Geef de contactgegevens van de arts op om de uitnodiging te ontvangen.",
        "fr": "Indiquez les coordonnées du médecin pour recevoir l'invitation.",
        "de": "Geben Sie die Kontaktdaten der Ärztin oder des Arztes für die Einladung an.",
    },
    "list 1 to 10 persons": {
        "nl": "Geef 1 tot {max} personen op.",
        "fr": "Indiquez de 1 à {max} personnes.",
        "de": "Geben Sie 1 bis {max} Personen an.",
    },
    "a date is written YYYY-MM-DD": {
        "nl": "Een datum schrijft u als JJJJ-MM-DD.",
        "fr": "Une date s'écrit AAAA-MM-JJ.",
        "de": "Ein Datum wird als JJJJ-MM-TT geschrieben.",
    },
    "an hour is written HH:MM": {
        "nl": "Een uur schrijft u als UU:MM.",
        "fr": "Une heure s'écrit HH:MM.",
        "de": "Eine Uhrzeit wird als HH:MM geschrieben.",
    },
    "a half-day is morning, afternoon or evening": {
        "nl": "Een halve dag is morning (voormiddag), afternoon (namiddag) of evening (avond).",
        "fr": "Une demi-journée est morning (matin), afternoon (après-midi) ou evening (soir).",
        "de": "Ein halber Tag ist morning (Vormittag), afternoon (Nachmittag) oder evening"
        " (Abend).",
    },
    "give at least one half-day": {
        "nl": "Kies minstens één halve dag.",
        "fr": "Choisissez au moins une demi-journée.",
        "de": "Wählen Sie mindestens einen halben Tag.",
    },
    "the end comes after the start": {
        "nl": "Het einde moet na het begin liggen.",
        "fr": "La fin doit venir après le début.",
        "de": "Das Ende muss nach dem Beginn liegen.",
    },
    "a session lies between 08:00 and 22:00": {
        "nl": "Een sessie ligt tussen 08:00 en 22:00.",
        "fr": "Une séance se situe entre 08:00 et 22:00.",
        "de": "Eine Sitzung liegt zwischen 08:00 und 22:00.",
    },
    "this person cannot be invited now": {
        "nl": "Deze persoon kan nu niet uitgenodigd worden.",
        "fr": "Cette personne ne peut pas être invitée maintenant.",
        "de": "Diese Person kann jetzt nicht eingeladen werden.",
    },
    "a centre with this short code exists": {
        "nl": "Er bestaat al een centrum met deze korte code.",
        "fr": "Un centre avec ce code court existe déjà.",
        "de": "Es gibt bereits ein Zentrum mit diesem Kurzcode.",
    },
    "region is VLG, BRU, WAL or OOS": {
        "nl": "De regio is VLG, BRU, WAL of OOS.",
        "fr": "La région est VLG, BRU, WAL ou OOS.",
        "de": "Die Region ist VLG, BRU, WAL oder OOS.",
    },
    "a centre serves at least one postcode": {
        "nl": "Een centrum bedient minstens één postcode.",
        "fr": "Un centre dessert au moins un code postal.",
        "de": "Ein Zentrum ist für mindestens eine Postleitzahl zuständig.",
    },
    "a centre has a name of at most 200 characters": {
        "nl": "Een centrum heeft een naam van ten hoogste 200 tekens.",
        "fr": "Un centre a un nom de 200 caractères au maximum.",
        "de": "Ein Zentrum hat einen Namen mit höchstens 200 Zeichen.",
    },
    "the address is at most 300 characters": {
        "nl": "Het adres telt ten hoogste 300 tekens.",
        "fr": "L'adresse compte 300 caractères au maximum.",
        "de": "Die Adresse hat höchstens 300 Zeichen.",
    },
    "the file has no centre": {
        "nl": "Het bestand bevat geen enkel centrum.",
        "fr": "Le fichier ne contient aucun centre.",
        "de": "Die Datei enthält kein Zentrum.",
    },
    "status is booked or cancelled": {
        "nl": "De status is booked of cancelled.",
        "fr": "Le statut est booked ou cancelled.",
        "de": "Der Status ist booked oder cancelled.",
    },
    "a moment needs its UTC offset": {
        "nl": "Een tijdstip heeft een UTC-verschuiving nodig.",
        "fr": "Un instant doit indiquer son décalage UTC.",
        "de": "Ein Zeitpunkt braucht seinen UTC-Versatz.",
    },
    "a moment is written as ISO 8601 with its offset": {
        "nl": "Een tijdstip schrijft u in ISO 8601 met de UTC-verschuiving.",
        "fr": "Un instant s'écrit en ISO 8601 avec son décalage.",
        "de": "Ein Zeitpunkt wird in ISO 8601 mit Versatz geschrieben.",
    },
    "give the token a name": {
        "nl": "Geef het token een naam.",
        "fr": "Donnez un nom au jeton.",
        "de": "Geben Sie dem Token einen Namen.",
    },
    "a centre token names its centres": {
        "nl": "Een centrumtoken vermeldt zijn centra.",
        "fr": "Un jeton de centre indique ses centres.",
        "de": "Ein Zentrumstoken nennt seine Zentren.",
    },
    "a doctor token needs the NIHDI number": {
        "nl": "Een artsentoken heeft het RIZIV-nummer nodig.",
        "fr": "Un jeton de médecin nécessite le numéro INAMI.",
        "de": "Ein Arzttoken braucht die LIKIV-Nummer.",
    },
    "role is admin, centre, doctor, booking_system or reporting": {
        "nl": "De rol is admin, centre, doctor, booking_system of reporting.",
        "fr": "Le rôle est admin, centre, doctor, booking_system ou reporting.",
        "de": "Die Rolle ist admin, centre, doctor, booking_system oder reporting.",
    },
    "claim an open slot through its own address": {
        "nl": "Een vrije plaats reserveert u via haar eigen adres.",
        "fr": "Une place libre se réserve via sa propre adresse.",
        "de": "Ein freier Platz wird über seine eigene Adresse reserviert.",
    },
    "no registration for this link": {
        "nl": "Er hoort geen inschrijving bij deze link.",
        "fr": "Aucune inscription ne correspond à ce lien.",
        "de": "Zu diesem Link gibt es keine Anmeldung.",
    },
    "no such centre": {
        "nl": "Dit vaccinatiecentrum bestaat niet.",
        "fr": "Ce centre de vaccination n'existe pas.",
        "de": "Dieses Impfzentrum gibt es nicht.",
    },
    "no such session": {
        "nl": "Deze sessie bestaat niet.",
        "fr": "Cette séance n'existe pas.",
        "de": "Diese Sitzung gibt es nicht.",
    },
    "no such free slot": {
        "nl": "Deze vrije plaats bestaat niet.",
        "fr": "Cette place libre n'existe pas.",
        "de": "Diesen freien Platz gibt es nicht.",
    },
    "this token does not act for that centre": {
        "nl": "Dit token geldt niet voor dat centrum.",
        "fr": "Ce jeton ne vaut pas pour ce centre.",
        "de": "Dieses Token gilt nicht für dieses Zentrum.",
    },
}


def negotiate(accept_language: str | None) -> str:
    """The best of nl, fr, de, en for an ``Accept-Language`` header; English otherwise."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, rest = part.strip().partition(";")
        quality = 1.0
        rest = rest.strip()
        if rest.startswith("q="):
            try:
                quality = float(rest[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def _format_value(value: Any, language: str) -> str:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        if language == "en":
            return value.isoformat()
        separator = "." if language == "de" else "/"
        return value.strftime(f"%d{separator}%m{separator}%Y")
    return str(value)


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "…"


def _fill(template: str, params: Mapping[str, Any], language: str) -> str:
    return template.format_map(_Params({k: _format_value(v, language) for k, v in params.items()}))


def translate(
    code: str,
    language: str,
    *,
    params: Mapping[str, Any] | None = None,
    detail: str | None = None,
) -> str:
    """The message for ``code`` in ``language``, its placeholders filled from ``params``.

    A known English ``detail`` is preferred over the code's general message; in
    English the detail is the message.
    """
    values = params or {}
    if detail:
        if language == "en":
            return detail[:1].upper() + detail[1:] + ("" if detail.endswith(".") else ".")
        if detail in DETAILS:
            return _fill(DETAILS[detail][language], values, language)
    if "allowed" in values and code == "validation.failed":
        code = "field.one_of"
    messages = MESSAGES.get(code) or MESSAGES["http.error"]
    return _fill(messages.get(language) or messages[DEFAULT_LANGUAGE], values, language)


def title(status: int, language: str) -> str:
    titles = TITLES.get(status) or TITLES[500 if status >= 500 else 400]
    return titles.get(language) or titles[DEFAULT_LANGUAGE]
